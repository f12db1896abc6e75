// The parts of hpack.js (no types of its own) that url-authority.ts uses.
declare module 'hpack.js' {
  interface HeaderField {
    name: string;
    value: string;
    neverIndex?: boolean;
  }
  interface Decompressor {
    write(data: Buffer): boolean;
    execute(): void;
    read(): HeaderField | null;
  }
  interface Compressor {
    write(headers: HeaderField[]): boolean;
    read(): Buffer | null;
  }
  const hpack: {
    decompressor: { create(options: { table: { size: number } }): Decompressor };
    compressor: { create(options: { table: { size: number } }): Compressor };
  };
  export default hpack;
}
