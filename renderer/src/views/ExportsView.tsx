export function ExportsView() {
  return (
    <section className="view" aria-label="Exports">
      <h2>Exports</h2>
      <div className="empty">Nothing here yet.</div>
    </section>
  );
}
