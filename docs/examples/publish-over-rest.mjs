// Publishing segment events over segment-service's REST API from Node.js 18+ (no dependencies).
//   node publish-over-rest.mjs <segment-service URL> <account id> <bearer token> <email> [segment ids…]
// The body is an array of events (up to 1,000); the answer is 202, or 422 listing rejected items by index,
// or 503 with Retry-After while the service's database is away: send the same request again after that wait.
const [baseUrl, accountId, token, email, ...segments] = process.argv.slice(2);

const events = [{
  accountId,
  email,
  segments,                                   // full set: every segment the shopper is in now
  observedAt: new Date().toISOString(),       // when your service saw this state; older events are ignored
  eventId: `example-${Date.now()}`,           // optional: your own id, echoed in logs and the contact's status
}];

for (let attempt = 1; ; attempt++) {
  const res = await fetch(`${baseUrl}/api/accounts/${encodeURIComponent(accountId)}/segment-events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(events),
  });
  if (res.status === 503 && attempt < 10) {
    const wait = Number(res.headers.get('retry-after') ?? '5');
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    continue;
  }
  console.log(res.status, await res.text());
  process.exit(res.ok ? 0 : 1);
}
