// React hooks shared by pages.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
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

/**
 * An action started from a form or button: `run(fn)` marks it busy, clears
 * the error, and shows the thrown error's message when fn fails; `fail`
 * shows a message of the page's own (a check before calling the server).
 */
export function useAction(): { busy: boolean; error: string | null; fail: (message: string | null) => void; run: (fn: () => Promise<void>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(String((e as Error).message || e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, fail: setError, run };
}

/**
 * Call onKey for each keydown on the window while the component is mounted.
 * The handler of the latest render is the one called, from the moment that
 * render is on screen: the listener is registered once and the handler is
 * swapped in a layout effect (part of the commit), so a key pressed right
 * after the page changed never reaches a handler of the page before (a
 * passive effect runs later, and the browser may deliver input first).
 */
export function useWindowKeydown(onKey: (e: KeyboardEvent) => void) {
  const latest = useRef(onKey);
  useLayoutEffect(() => {
    latest.current = onKey;
  });
  useLayoutEffect(() => {
    const listener = (e: KeyboardEvent) => latest.current(e);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);
}
