#!/usr/bin/env node
// Makes nginx/ssl/{cert,key}.pem: a self-signed certificate for local use of nginx.prod.conf.
import { join } from 'node:path';
import { ensureSelfSignedCert } from '../deploy/local-stack/certs.mjs';
import { REPO_ROOT } from '../deploy/local-stack/nginx.mjs';

const dir = ensureSelfSignedCert(join(REPO_ROOT, 'nginx', 'ssl'));
process.stdout.write(`certificate and key in ${dir}\n`);
