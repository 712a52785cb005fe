// A small HTTP service for the agent overhead benchmark: each request builds and serialises an order and
// does a little arithmetic, about a fifth of a millisecond of CPU. Prints `ready <port>`.
'use strict';
const http = require('node:http');

function priceOrder(id) {
  const items = [];
  for (let i = 0; i < 40; i++) items.push({ sku: `sku-${id}-${i}`, quantity: (id + i) % 5, price: Math.sqrt(i + id) * 3.1 });
  let total = 0;
  for (const item of items) total += item.quantity * item.price;
  return { id, items, total };
}

let next = 0;
const server = http.createServer((request, response) => {
  const body = JSON.stringify(priceOrder(next++));
  response.writeHead(200, { 'content-type': 'application/json' }).end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));
