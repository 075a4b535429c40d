/** What the run ran on, and how busy the machine was meanwhile (other work shares it, so numbers are noisy). */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
}

export function machine(): Machine {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  return {
    cpu: model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  };
}

export interface LoadAverage {
  atStart: number;
  min: number;
  mean: number;
  max: number;
}

/** Samples the 1-minute load average every 5 s until stopped. */
export function startLoadSampler(): { stop(): LoadAverage } {
  const read = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const samples = [read()];
  const timer = setInterval(() => samples.push(read()), 5000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return {
        atStart: samples[0] as number,
        min: Math.min(...samples),
        mean: samples.reduce((a, b) => a + b, 0) / samples.length,
        max: Math.max(...samples),
      };
    },
  };
}
