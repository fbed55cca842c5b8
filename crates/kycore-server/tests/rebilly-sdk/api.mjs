// Rebilly's JS SDK configured for kycore, as a Rebilly client would change it: kycore's URL
// for both environments, a kycore secret key and the organization id, from the environment.
import { RebillyAPI } from 'rebilly-js-sdk';

const url = process.env.KYCORE_URL;
export const api = RebillyAPI({
    apiKey: process.env.KYCORE_KEY,
    organizationId: process.env.KYCORE_ORGANIZATION,
    sandbox: true,
    urls: { live: url, sandbox: url },
});
