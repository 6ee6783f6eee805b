export function MappingView() {
  return (
    <section className="view" aria-label="Mapping">
      <h2>Mapping</h2>
      <div className="empty">Nothing here yet.</div>
    </section>
  );
}
