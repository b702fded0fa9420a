// Publishing segment events to the segment-events topic from Node.js with kafkajs (npm ci in this folder).
//   node publish-to-kafka.mjs <bootstrap servers> <account id> <email> [segment ids…]
// Key every record accountId|email so that one shopper's events stay in order on one partition.
import { Kafka } from 'kafkajs';

const [brokers, accountId, email, ...segments] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'segment-publisher-example', brokers: brokers.split(',') });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });

const event = {
  accountId,
  email,
  entered: segments,                          // a delta: segments the shopper entered (use `exited` for leaving)
  observedAt: new Date().toISOString(),
  eventId: `example-${Date.now()}`,
};

await producer.connect();
await producer.send({
  topic: 'segment-events',
  acks: -1,                                   // all in-sync replicas: the event is durable when send resolves
  messages: [{ key: `${accountId}|${email.trim().toLowerCase()}`, value: JSON.stringify(event) }],
});
await producer.disconnect();
console.log('published', JSON.stringify(event));
