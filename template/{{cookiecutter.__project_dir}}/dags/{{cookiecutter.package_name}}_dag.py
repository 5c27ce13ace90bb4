"""Airflow DAG: run the {{ cookiecutter.project_slug }} job that the bundle deployed.

The bundle (databricks.yml) deploys the job without a schedule; this DAG owns the schedule.
It needs ``apache-airflow-providers-databricks>=7.0`` and an Airflow connection
``databricks_default`` to the production workspace, authenticated as the service principal.
"""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator

JOB_NAME = "{{ cookiecutter.project_slug }}"  # the job's name in the prod target
ENVIRONMENT = "prod"

with DAG(
    dag_id="{{ cookiecutter.package_name }}",
    description="bronze -> silver -> gold on Databricks",
    schedule="0 6 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["databricks", "{{ cookiecutter.project_slug }}"],
) as dag:
    # The job's own tasks keep the order bronze -> silver -> gold; one run covers all three.
    DatabricksRunNowOperator(
        task_id="run_job",
        databricks_conn_id="databricks_default",
        job_name=JOB_NAME,
        job_parameters={"env": ENVIRONMENT},
        wait_for_termination=True,
    )
