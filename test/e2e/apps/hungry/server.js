require("http").createServer((req, res) => res.end("hungry\n")).listen(process.env.PORT || 8080);
