// Behaviour every page shares, attached by data attributes: the Content-Security-Policy allows no inline handlers.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-submit-on-change]")) event.target.form.submit();
});
document.addEventListener("click", (event) => {
  if (event.target.matches("[data-print]")) window.print();
  if (event.target.matches("[data-select-on-click]")) event.target.select();
});
