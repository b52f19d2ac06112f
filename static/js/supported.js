// Tell GOV.UK Frontend's styles that JavaScript runs and that the browser supports its modules.
// Loaded as an external file at the start of <body>: the Content-Security-Policy forbids inline scripts.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
