// Placeholder: being built (issue 5).
export function AgreementPage() {
  return (
    <div className="page" data-testid="page-stub">
      <h1>Judge agreement</h1>
    </div>
  );
}
