// Site-wide behaviour without inline handlers (the CSP forbids them): auto-submitting selects.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
