// Placeholder: being built (issue 5).
export function QueuesPage() {
  return (
    <div className="page" data-testid="page-stub">
      <h1>Labelling</h1>
    </div>
  );
}
export function QueuePage({ queueId }: { queueId: string }) {
  void queueId;
  return (
    <div className="page" data-testid="page-stub">
      <h1>Labelling queue</h1>
    </div>
  );
}
