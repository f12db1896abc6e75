// Test helpers for other packages' tests (the e2e harness): disk images and their checks.
export {
  type CgptAttributes,
  cgptShowAttributes,
  createTestDisk,
  sgdiskVerify,
  type TestDiskOptions,
  USR_A_UUID,
  USR_B_UUID,
} from './disk-image.js';
export { type FakeOffer, FakeOmahaServer } from './fake-omaha-server.js';
export { ManualTimers } from './manual-timers.js';
export { installPayloadInSlot } from './slot-image.js';
