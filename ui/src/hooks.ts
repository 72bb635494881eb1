// React hooks shared by pages.
import { useEffect, useState } from "react";
import { api, getAll } from "./api";
import type { Project } from "./types";

/** Every project (all pages of GET /v1/projects); null while loading. */
export function useProjects(): { projects: Project[] | null; error: string | null } {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    getAll((cursor) => api.projects(cursor, ac.signal))
      .then(({ items }) => setProjects(items))
      .catch((e) => !ac.signal.aborted && setError(String(e.message || e)));
    return () => ac.abort();
  }, []);
  return { projects, error };
}
