// Run by npm install during staging: touches 64 MB blocks up to HUNGRY_MB (default 2048 MB),
// after sleeping HUNGRY_SLEEP_S seconds (default 0).
const limit = Number(process.env.HUNGRY_MB || 2048);
const sleep = Number(process.env.HUNGRY_SLEEP_S || 0);
console.log("hog: started");
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sleep * 1000);
const blocks = [];
for (let mb = 64; mb <= limit; mb += 64) {
  blocks.push(Buffer.alloc(64 << 20, 1));
  console.log(`hog: ${mb} MB allocated`);
}
console.log("hog: done");
