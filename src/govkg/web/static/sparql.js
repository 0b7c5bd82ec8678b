// Puts an example query into the query form (progressive enhancement: the form works without it).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.example");
  if (button) {
    document.getElementById("query").value = button.dataset.query;
    document.getElementById("query").focus();
  }
});
