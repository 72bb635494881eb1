// Placeholder: being built (issue 5).
export function MetricsPage({ project }: { project?: string }) {
  void project;
  return (
    <div className="page" data-testid="page-stub">
      <h1>Metrics</h1>
    </div>
  );
}
