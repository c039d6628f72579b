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

// Gradio labels each chat message for screen readers with its raw content, which is HTML here;
// the label is replaced by the message's text as shown.
const plainLabels = () => {
  document.querySelectorAll("#chat [aria-label*=\"'s message: \"]").forEach((message) => {
    const label = message.getAttribute("aria-label");
    if (!label.includes("<")) return;
    const who = label.slice(0, label.indexOf("'s message: ") + 12);
    const text = message.innerText.replace(/\s+/g, " ").trim().slice(0, 2000);
    message.setAttribute("aria-label", who + text);
  });
};
let labelling = false;
new MutationObserver(() => {
  if (labelling) return;
  labelling = true;
  requestAnimationFrame(() => { plainLabels(); labelling = false; });
}).observe(document.documentElement, {
  subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-label"],
});
