// The environment's sample app: answers every request with its name.
import { createServer } from "node:http";

createServer((_request, response) => response.end("signed and verified\n")).listen(Number(process.env.PORT ?? 8080));
