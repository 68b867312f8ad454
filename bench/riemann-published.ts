/**
 * Riemann's published throughput, printed beside Satellite's own figures as
 * the peer reference DESIGN.md section 10 asks for. No Riemann can run on
 * this machine (it needs a JVM and Riemann's jar; neither is in the package
 * registries here), so this line quotes aphyr's published bulk figure
 * instead of measuring, and says so with `measured: false`. Source and
 * conditions: ../shared/anchors/riemann.md, section 6.
 */
import type { BenchLine } from "./output.ts";

/**
 * The line `riemann_published`: Riemann's published bulk throughput
 * (185,000-200,000 events/s; `value` is the upper end, the figure the
 * announcement was titled with), with its source and conditions. Not a
 * measurement.
 *
 * @example
 * printLine(riemannPublished()); // {"name":"riemann_published","value":200000,"unit":"events/s","peer":"riemann","measured":false,...}
 */
export function riemannPublished(): BenchLine {
  return {
    name: "riemann_published",
    value: 200_000,
    unit: "events/s",
    peer: "riemann",
    measured: false,
    range_low: 185_000,
    range_high: 200_000,
    single_message_events_per_s: 65_000,
    source: 'aphyr, "65K messages/sec", https://aphyr.com/posts/279-65k-messages-sec (via ../shared/anchors/riemann.md section 6)',
    conditions:
      "Riemann pre-0.2.0 (2013), end to end over one TCP socket: three client threads sending messages of 100 events each; " +
      "server at about 115% CPU on a 2.5 GHz Core 2 Quad Q8300; the client, not the server, was the bottleneck",
    why_not_measured: "no JVM Riemann package in the registries reachable from this machine",
    comparable_to: "dispatch_reference_rules measures one core through index and rules with no network; not like for like",
  };
}
