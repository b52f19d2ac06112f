// Start GOV.UK Frontend's components (skip link, error summary, service navigation).
// The Makefile copies govuk-frontend.min.js from node_modules into static/build/.
import { initAll } from "../build/govuk-frontend.min.js";

initAll();
