// Placeholder: being built (issue 5).
export function SessionsPage({ project }: { project: string }) {
  void project;
  return (
    <div className="page" data-testid="page-stub">
      <h1>Sessions</h1>
    </div>
  );
}
export function SessionPage({ project, sessionId }: { project: string; sessionId: string }) {
  void project, void sessionId;
  return (
    <div className="page" data-testid="page-stub">
      <h1>Session</h1>
    </div>
  );
}
