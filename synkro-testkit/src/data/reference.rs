//! Reference data: CRM users and sales pipelines.

use chrono::Duration;
use synkro_core::model::{
    Manager, ManagerId, SalesPipeline, SalesPipelineId, Stage, StageId, StageKind,
};

use super::generator::Generator;
use super::vocab::{FIRST_NAMES, full_name};

fn stage(id: &str, name: &str, sort: i32, kind: StageKind) -> Stage {
    Stage {
        id: StageId::new(id),
        name: name.to_owned(),
        sort,
        kind,
    }
}

impl Generator<'_> {
    pub(super) fn reference(&mut self) {
        for k in 0..self.spec.managers.max(1) {
            let name = full_name(k, k / FIRST_NAMES.len() + k * 7);
            self.out.managers.push(Manager {
                id: ManagerId::new((1001 + k).to_string()),
                email: Some(format!("manager{}@example.invalid", k + 1)),
                name,
                team: Some(
                    if k % 2 == 0 {
                        "Отдел продаж 1"
                    } else {
                        "Отдел продаж 2"
                    }
                    .to_owned(),
                ),
                active: true,
                updated_at: Some(self.start - Duration::days(90)),
            });
        }
        self.out.sales_pipelines = vec![
            SalesPipeline {
                id: SalesPipelineId::new("1"),
                name: "Продажи".into(),
                sort: 1,
                is_main: true,
                stages: vec![
                    stage("10", "Новая заявка", 10, StageKind::Open),
                    stage("11", "Квалификация", 20, StageKind::Open),
                    stage("12", "Переговоры", 30, StageKind::Open),
                    stage("13", "Счёт выставлен", 40, StageKind::Open),
                    stage("142", "Успешно реализовано", 10_000, StageKind::Won),
                    stage("143", "Закрыто и не реализовано", 11_000, StageKind::Lost),
                ],
            },
            SalesPipeline {
                id: SalesPipelineId::new("2"),
                name: "Повторные продажи".into(),
                sort: 2,
                is_main: false,
                stages: vec![
                    stage("20", "Новый запрос", 10, StageKind::Open),
                    stage("21", "Согласование", 20, StageKind::Open),
                    stage("142", "Успешно реализовано", 10_000, StageKind::Won),
                    stage("143", "Закрыто и не реализовано", 11_000, StageKind::Lost),
                ],
            },
        ];
    }
}
