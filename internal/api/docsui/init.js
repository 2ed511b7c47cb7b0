// Every URL here is relative to the page, so the docs work wherever the API is
// mounted: /api/docs locally, /prod/api/docs behind an API Gateway stage, or
// under a custom domain's base path.
(async function () {
  "use strict";
  const apiRoot = new URL(".", document.baseURI); // .../api/
  const res = await fetch(new URL("openapi.json", apiRoot));
  const spec = await res.json();
  // The operations' paths start with /api; what stands before it is the server.
  const prefix = apiRoot.pathname.replace(/\/api\/$/, "");
  spec.servers = [{ url: location.origin + prefix }];
  window.ui = SwaggerUIBundle({ spec: spec, dom_id: "#swagger-ui", deepLinking: true });
})();
