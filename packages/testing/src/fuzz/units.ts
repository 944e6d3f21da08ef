// Byte units for bounds and reports.
export const MIB = 1024 * 1024;
export const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
