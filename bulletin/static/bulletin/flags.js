// Copy the proposed text to the clipboard; falls back to selecting it where the Clipboard API is missing.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy-target]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(source.value);
  } catch (error) {
    source.classList.remove("visually-hidden");
    source.select();
    document.execCommand("copy");
    source.classList.add("visually-hidden");
  }
  button.textContent = button.dataset.copied;
  setTimeout(() => { button.textContent = label; }, 1500);
});
