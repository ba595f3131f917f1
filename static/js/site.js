// Site-wide behaviour without inline handlers (the CSP forbids them).
// Auto-submitting selects; with data-keep-query the choice is added to the current query string,
// so changing the language keeps the page's filters and map view.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () {
    if (select.hasAttribute("data-keep-query")) {
      var params = new URLSearchParams(window.location.search);
      params.set(select.name, select.value);
      window.location.search = params.toString();
    } else {
      select.form.submit();
    }
  });
});
