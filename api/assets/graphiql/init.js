// Starts GraphiQL on the endpoints the page names (a file, so the page's CSP needs no inline
// script).
(function () {
  'use strict';
  var el = document.getElementById('graphiql');
  var http = new URL(el.dataset.endpoint, window.location.href);
  var ws = new URL(el.dataset.subscriptions, window.location.href);
  ws.protocol = ws.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: http.href,
    subscriptionUrl: ws.href,
    enableIncrementalDelivery: false
  });
  var root = ReactDOM.createRoot(el);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false
    })
  );
})();
