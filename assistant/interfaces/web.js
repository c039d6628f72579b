// A click on an answer's [n] marker brings its source card into view and flashes it.
// The card may arrive a moment later: the click also selects the message, which redraws the panel.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.cite");
  if (!link) return;
  event.preventDefault();
  const id = link.getAttribute("href").slice(1);
  let tries = 0;
  const reveal = () => {
    const card = document.getElementById(id);
    if (!card) {
      if (tries++ < 30) setTimeout(reveal, 100);
      return;
    }
    card.scrollIntoView({ behavior: "smooth", block: "nearest" });
    card.classList.remove("flash");
    void card.offsetWidth;
    card.classList.add("flash");
  };
  reveal();
});
