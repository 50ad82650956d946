#!/usr/bin/env node
// The fast upstream of scripts/bench-gateway.mjs: an OpenAI-compatible model server that answers
// every POST /v1/chat/completions at once with the same small chat.completion, so what the bench
// measures is the gateway and not a model. Run as its own process (never in the load generator's
// event loop); it listens on 127.0.0.1 on a free port and prints `{"port":N}` on its first line of
// stdout once it listens. SIGTERM or a closed stdin stops it.
import { createServer } from 'node:http';

// A realistic non-streamed answer: the fields vLLM sends, usage included (the gateway reads it).
const ANSWER = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'bench-model',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help?' }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 },
  }),
);
const ANSWER_HEADERS = { 'content-type': 'application/json', 'content-length': String(ANSWER.byteLength) };
const NOT_FOUND = Buffer.from('{"error":{"message":"not found"}}');

const server = createServer({ keepAliveTimeout: 120_000, noDelay: true }, (request, response) => {
  const isChat = request.method === 'POST' && request.url === '/v1/chat/completions';
  // The answer goes out once the request body is in, as a real server's would; nothing is parsed.
  request.on('data', () => undefined);
  request.on('end', () => {
    if (isChat) response.writeHead(200, ANSWER_HEADERS).end(ANSWER);
    else response.writeHead(404, { 'content-type': 'application/json', 'content-length': String(NOT_FOUND.byteLength) }).end(NOT_FOUND);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The bench holds our stdin: when it dies without cleaning up, we go too.
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
