// Tests of filesystem-full: an error page per host and mount point above 90% used, resolved at 85% or below (hysteresis).
import { ruleTest, type TestEvent } from "satellite";

function used(host: string, mount: string, fraction: number, extra: Partial<TestEvent> = {}): TestEvent {
  return { host, service: `system.filesystem.used.pct ${mount}`, metric: fraction, ttl: 600, attributes: { mount_point: mount }, ...extra };
}

ruleTest("a filesystem more than 90% full pages an error for its host and mount point", (t) => {
  t.inject(used("h1", "/var", 0.5));
  // The first sample is judged: not full resolves whatever an engine that watched /var before paged.
  t.expectIntents([{ kind: "resolve", key: "filesystem-full/filesystem full:h1:/var", summary: "/var is down to 50%", time: 0 }]);
  t.inject(used("h1", "/var", 0.6, { time: 30 }));
  t.expectNoIntents();
  t.inject(used("h1", "/var", 0.93, { time: 60 }));
  t.expectIntents([
    { kind: "page", rule: "filesystem-full/filesystem full", key: "filesystem-full/filesystem full:h1:/var", severity: "error", summary: "h1: /var is 93% full", host: "h1", time: 60 },
  ]);
});

ruleTest("exactly 90% is not full", (t) => {
  t.inject(used("h1", "/var", 0.9));
  t.expectIntents([{ kind: "resolve" }]);
  t.inject(used("h1", "/var", 0.9001));
  t.expectIntents([{ kind: "page", key: "filesystem-full/filesystem full:h1:/var" }]);
});

ruleTest("the page stays open down to 85% and resolves at 85% or below, without flapping on the way", (t) => {
  t.inject(used("h1", "/var", 0.93));
  t.expectIntents([{ kind: "page" }]);
  t.inject(used("h1", "/var", 0.88), used("h1", "/var", 0.91), used("h1", "/var", 0.86), used("h1", "/var", 0.95));
  t.expectNoIntents();
  t.inject(used("h1", "/var", 0.85, { time: 300 }));
  t.expectIntents([{ kind: "resolve", key: "filesystem-full/filesystem full:h1:/var", summary: "/var is down to 85%", time: 300 }]);
  t.inject(used("h1", "/var", 0.89)); // back in the band from below: not full
  t.expectNoIntents();
  t.inject(used("h1", "/var", 0.91));
  t.expectIntents([{ kind: "page" }]);
});

ruleTest("each mount point of each host has its own alert", (t) => {
  t.inject(used("h1", "/var", 0.95), used("h1", "/", 0.5), used("h2", "/var", 0.97), used("h2", "/", 0.99));
  t.expectIntents([
    { kind: "page", key: "filesystem-full/filesystem full:h1:/var" },
    { kind: "resolve", key: "filesystem-full/filesystem full:h1:/" },
    { kind: "page", key: "filesystem-full/filesystem full:h2:/var" },
    { kind: "page", key: "filesystem-full/filesystem full:h2:/", summary: "h2: / is 99% full" },
  ]);
  t.inject(used("h1", "/var", 0.4));
  t.expectIntents([{ kind: "resolve", key: "filesystem-full/filesystem full:h1:/var" }]);
  t.inject(used("h2", "/var", 0.96), used("h2", "/", 0.99));
  t.expectNoIntents();
});

ruleTest("a full filesystem that stops reporting resolves, and pages again if it comes back full", (t) => {
  t.inject(used("h1", "/scratch", 0.97, { ttl: 60 }));
  t.expectIntents([{ kind: "page", key: "filesystem-full/filesystem full:h1:/scratch" }]);
  t.advanceTo(59);
  t.expectNoIntents();
  t.advanceTo(60);
  t.expectIntents([{ kind: "resolve", key: "filesystem-full/filesystem full:h1:/scratch", summary: "/scratch stopped reporting", time: 60 }]);
  t.inject(used("h1", "/scratch", 0.97, { time: 120 }));
  t.expectIntents([{ kind: "page", key: "filesystem-full/filesystem full:h1:/scratch", time: 120 }]);
});

ruleTest("a filesystem that was never full sends nothing more when it stops reporting", (t) => {
  t.inject(used("h1", "/scratch", 0.3, { ttl: 60 }));
  t.expectIntents([{ kind: "resolve" }]); // the first verdict
  t.advanceBy(600);
  t.expectNoIntents();
});

ruleTest("an alert opened before a restart, or by the engine a partition moved from, is resolved by the first sample that is not full", (t) => {
  t.inject(used("h1", "/var", 0.7));
  t.expectIntents([{ kind: "resolve", rule: "filesystem-full/filesystem full", key: "filesystem-full/filesystem full:h1:/var", summary: "/var is down to 70%" }]);
  t.inject(used("h2", "/var", 0.96));
  t.expectIntents([{ kind: "page", key: "filesystem-full/filesystem full:h2:/var" }]);
});

ruleTest("other services with high metrics are not filesystems", (t) => {
  t.inject({ host: "h1", service: "system.memory.used.pct", metric: 0.99 }, { host: "h1", service: "system.filesystem.used.pct", metric: 0.99 });
  t.expectNoIntents();
});
