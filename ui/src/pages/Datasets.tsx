// Placeholder: being built (issue 5).
export function DatasetsPage() {
  return (
    <div className="page" data-testid="page-stub">
      <h1>Datasets</h1>
    </div>
  );
}
export function DatasetPage({ datasetId }: { datasetId: string }) {
  void datasetId;
  return (
    <div className="page" data-testid="page-stub">
      <h1>Dataset</h1>
    </div>
  );
}
export function DatasetUploadPage() {
  return (
    <div className="page" data-testid="page-stub">
      <h1>Upload a dataset</h1>
    </div>
  );
}
