export function ExperimentsView() {
  return (
    <section className="view" aria-label="Experiments">
      <h2>Experiments</h2>
      <div className="empty">Nothing here yet.</div>
    </section>
  );
}
