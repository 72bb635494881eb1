export function ComingPage({ title, what }: { title: string; what: string }) {
  return (
    <div className="page">
      <h1>{title}</h1>
      <div className="coming" data-testid="coming">
        <span className="badge">coming</span> This page is not built yet. {what}
      </div>
    </div>
  );
}
