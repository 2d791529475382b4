"use strict";
// studentbook: the lab's sample app. It answers on PORT (default 8080) with a small page and
// a JSON list of students, so a running container can be checked with one request.
const express = require("express");

const students = [
  { id: 1, name: "Ada", course: "Supply-chain security" },
  { id: 2, name: "Grace", course: "Container signing" },
];

function createApp() {
  const app = express();
  app.use(express.json());
  app.get("/", (_req, res) => {
    res.type("html").send(`<h1>studentbook</h1><p>${students.length} students signed in.</p>`);
  });
  app.get("/students", (_req, res) => res.json(students));
  app.get("/healthz", (_req, res) => res.json({ ok: true }));
  return app;
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8080);
  const server = createApp().listen(port, () => console.log(`studentbook listening on ${port}`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

module.exports = { createApp };
