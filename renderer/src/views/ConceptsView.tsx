export function ConceptsView() {
  return (
    <section className="view" aria-label="Concepts">
      <h2>Concepts</h2>
      <div className="empty">Nothing here yet.</div>
    </section>
  );
}
