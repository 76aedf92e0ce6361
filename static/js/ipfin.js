// Small behaviours kept out of inline scripts (the CSP allows scripts from our own origin only).
document.documentElement.classList.add("js");
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.submit();
  }
});
