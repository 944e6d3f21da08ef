import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTranscriptFile } from "@warden/testing";
import { TranscriptCluster } from "./cluster.js";

// Rewrite the expected outputs with UPDATE_TRANSCRIPTS=1 and review the diff.
const dir = fileURLToPath(new URL("./testdata/", import.meta.url));

describe("consensus transcripts", () => {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()) {
    it(file.replace(/\.txt$/, "").replaceAll("_", " "), () => {
      const cluster = new TranscriptCluster();
      const mismatches = runTranscriptFile(dir + file, (command, args) => cluster.handle(command, args));
      const report = mismatches
        .map((m) => `${file}:${m.line} ${m.command}\n--- expected\n${m.expected}\n+++ actual\n${m.actual}`)
        .join("\n\n");
      expect(report).toBe("");
    });
  }
});
