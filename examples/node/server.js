// Hello world for microcf and Cloud Foundry: answers every request on $PORT.
const http = require("http");

const port = process.env.PORT || 8080;
const index = process.env.CF_INSTANCE_INDEX || "0";

const server = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(`Hello from microcf node, instance ${index}\n`);
});

server.listen(port, () => console.log(`listening on port ${port}`));

// Cloud Foundry stops instances with SIGTERM; exit at once instead of waiting for SIGKILL.
process.on("SIGTERM", () => process.exit(0));
