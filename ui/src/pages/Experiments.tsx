// Placeholder: being built (issue 5).
export function ExperimentsPage() {
  return (
    <div className="page" data-testid="page-stub">
      <h1>Experiments</h1>
    </div>
  );
}
export function ExperimentPage({ experimentId }: { experimentId: string }) {
  void experimentId;
  return (
    <div className="page" data-testid="page-stub">
      <h1>Experiment</h1>
    </div>
  );
}
export function ComparePage() {
  return (
    <div className="page" data-testid="page-stub">
      <h1>Compare experiments</h1>
    </div>
  );
}
