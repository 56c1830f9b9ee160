// Swagger UI for /openapi.json, from the vendored bundle (no CDN, no inline script).
window.addEventListener("load", function () {
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
  });
});
