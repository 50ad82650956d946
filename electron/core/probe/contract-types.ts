/**
 * Compile-time proof that the probe's own types and the contract's schemas (electron/shared/hardware)
 * describe the same data. A field added on one side only is a type error here.
 */
import type { GpuProbeWire, GpuSample, HostInfoWire } from '../../shared/hardware';
import type { GpuTelemetrySample } from './gpu-types';
import type { HostInfo } from './host-probe';
import type { GpuProbeResult } from './nvidia-smi-probe';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type ProbeMatchesContract = Assert<Same<GpuProbeResult, GpuProbeWire>>;
export type SampleMatchesContract = Assert<Same<GpuTelemetrySample, GpuSample>>;
export type HostMatchesContract = Assert<Same<HostInfo, HostInfoWire>>;
