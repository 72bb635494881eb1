// Placeholder: being built (issue 5).
export function GraphPage({ project }: { project: string }) {
  void project;
  return (
    <div className="page" data-testid="page-stub">
      <h1>Agent graph</h1>
    </div>
  );
}
