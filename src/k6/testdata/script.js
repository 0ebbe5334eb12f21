import { check } from 'k6';
import http from 'k6/http';

const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate',
      startRate: 5,
      timeUnit: '1s',
      preAllocatedVUs: 5,
      maxVUs: 20,
      stages: [
        { target: 20, duration: '2s' },
        { target: 20, duration: '1s' },
      ],
    },
  },
  thresholds: { http_req_duration: ['p(99)<500'], http_req_failed: ['rate<0.01'] },
};
export default function () {
  const r = http.post('http://127.0.0.1:18181/v2/models/m/infer', body, {
    headers: { 'Content-Type': 'application/json' },
    tags: { name: 'infer' },
  });
  check(r, { 'status is 200': (x) => x.status === 200 });
}
