import { totalmem } from "node:os";

/** CPU (percent of one core since the previous sample) and resident memory (percent of total), as Feast reports them. */
export function processUsage(): { cpuPercent(): number; memoryPercent(): number } {
  let lastCpu = process.cpuUsage();
  let lastWall = process.hrtime.bigint();
  return {
    cpuPercent() {
      const cpu = process.cpuUsage();
      const wall = process.hrtime.bigint();
      const usedMicros = cpu.user - lastCpu.user + (cpu.system - lastCpu.system);
      const wallMicros = Number(wall - lastWall) / 1000;
      lastCpu = cpu;
      lastWall = wall;
      return wallMicros <= 0 ? 0 : (usedMicros / wallMicros) * 100;
    },
    memoryPercent() {
      return (process.memoryUsage.rss() / totalmem()) * 100;
    },
  };
}
