// The API reference page (/docs): Swagger UI (vendor/swagger-ui, see SOURCE.txt there) on /openapi.json.
// A file of its own because the page's Content-Security-Policy refuses inline scripts.
(function () {
  "use strict";

  function start() {
    var root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    window.SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      // The page is for reading: "Try it out" stays closed until a reader opens it.
      tryItOutEnabled: false,
      // No badge from validator.swagger.io: nothing is fetched from elsewhere.
      validatorUrl: null,
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
