import type { IntegrityCheckId, IntegrityFault } from '../../../shared/verify-report.js';

/** Every fault a verification finds, in the order found, each tagged with the check that found it. */
export class FaultList {
  readonly all: IntegrityFault[] = [];

  /** Records a fault. */
  add(check: IntegrityCheckId, fault: Omit<IntegrityFault, 'check'>): void {
    this.all.push({ ...fault, check });
  }

  /** The faults one check found. */
  of(check: IntegrityCheckId): IntegrityFault[] {
    return this.all.filter((f) => f.check === check);
  }
}
