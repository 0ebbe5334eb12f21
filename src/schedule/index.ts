export { buildCronJob, type CronJobOptions, cronJobProblems, reportsMountPath } from './cronjob.ts';
