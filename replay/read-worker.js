// Thread entry of the worker trace reader (reader-worker.ts starts it): registers the TypeScript
// loader (tsx) in this thread, as bin/satellite.js does in the main one, then runs read-worker.ts.
import { register } from "tsx/esm/api";

register();
await import("./read-worker.ts");
