export { MemorySemaphoreStore } from './memory-semaphore-store.js';
