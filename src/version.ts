// The package version, recorded in every result so a number can be traced to the code. A literal
// rather than a read of package.json: the library's main entry runs in browsers, where there is
// no file to read (test/api.test.ts checks that it equals package.json's version).

/** The version of superposition-lab that wrote a result (package.json's `version`). */
export const VERSION: string = '0.1.0';
